(self.siteSearchData=self.siteSearchData||{})["x/ag"]={"df":"01","terms":"agre"};
