(self.siteSearchData=self.siteSearchData||{})["x/lo"]={"df":"01010101","terms":"logarithm logn longer lovelac"};
