(self.siteSearchData=self.siteSearchData||{})["x/em"]={"df":"01","terms":"emmi"};
